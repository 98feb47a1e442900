import type { GeneratedReport } from '@fleet/contracts';
import type { Section } from './report-model';
import { jobSections, missionSections } from './sections-operations';
import { systemSections } from './sections-system';
import { batterySections, maintenanceSections, performanceSections } from './sections-robots';

/** The sections of each report type, in reading order; the PDF draws them and the CSV writes their tables. */
export function reportSections(doc: GeneratedReport): Section[] {
  switch (doc.type) {
    case 'performance':
      return performanceSections(doc);
    case 'job':
      return jobSections(doc);
    case 'maintenance':
      return maintenanceSections(doc);
    case 'battery':
      return batterySections(doc);
    case 'system':
      return systemSections(doc);
    case 'mission':
      return missionSections(doc);
  }
}
