import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';

/** Commands and emergency stops: checked, stored and audited here, delivered by the jobs service. */
@Module({
  imports: [DatabaseModule, MessagingModule],
  controllers: [CommandsController],
  providers: [CommandsService],
  exports: [CommandsService],
})
export class CommandsModule {}
