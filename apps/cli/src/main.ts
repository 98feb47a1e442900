import { runCli } from './cli';

// The command line is a thin shell over runCli, which tests call directly.
void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
