export {
  ReportBuilder,
  defaultTitle,
  REPORT_TYPE_TITLES,
  type ProgressListener,
  type ReportRequest,
} from './report.builder';
export {
  CronSchedule,
  isTimezone,
  previousPeriod,
  resolvePeriod,
  type ReportPeriod,
  type SchedulePeriod,
} from './period';
export { ThresholdTable, type Threshold } from './thresholds';
export { formatDuration, formatList, formatNumber } from './format';
export { ReportFileStore } from './report-files';
export { ReportProducer, renderFiles, renderFormat, requestOf, type ReportOptions } from './report.producer';
export {
  checkSchedule,
  decideDue,
  MISSED_AFTER_MS,
  nextDueAt,
  periodLabel,
  scheduleView,
  type ScheduleDefaults,
} from './schedule';
export { NoSummarizer, summaryInput, type ReportSummarizer, type SummarizerStatus } from './summary/report-summarizer';
export { OpenAiSummarizer, type OpenAiSummarizerOptions } from './summary/openai-summarizer';
export { renderCsv } from './render/csv.renderer';
export { renderPdf, type PdfContext } from './render/pdf.renderer';
export { REPORT_SUMMARIZER, ReportingModule } from './reporting.module';
export { reportEvent, reportFileUrl, reportView } from './report-view';
export { standaloneReporting, type StandaloneReporting } from './standalone';
