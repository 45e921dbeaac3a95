import { ussdRenderer, USSD_MAX_SEPTETS } from '../channels/africastalking/ussdRenderer';
import { accessOf, type DirectoryFile } from '../directory/directory';
import { screensOf, type DataItem, type StepContext } from '../flows/engine';
import type { FlowDefinition } from '../flows/schema';
import { localiseScreen } from '../gateway/localiseScreen';
import type { Localizer } from '../locales/localizer';
import type { DirectoryProblem } from '../directory/directoryFile';

export interface DirectoryFitOptions {
  flow: FlowDefinition;
  localizer: Localizer;
  languages: string[];
  params: Record<string, string>;
  validate: StepContext['validate'];
}

const LIST_NODE = 'info.list';

/**
 * Checks that every service of a directory file fits one USSD screen in every
 * language, in the worst place it can appear (a middle page, with both paging
 * inputs, and shown "to be confirmed"). A row that does not fit is named, so the
 * programme shortens its name, landmark or hours before the import.
 */
export function checkDirectoryFits(file: DirectoryFile, options: DirectoryFitOptions): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  file.services.forEach((service, index) => {
    const item: DataItem = {
      id: service.id,
      fields: { name: service.name, landmark: service.landmark, hours: service.hours, phone: service.phone, access: accessOf(service), entry: service.demo ? 'demo' : 'unverified' },
    };
    let worst = 0;
    let where = '';
    for (const lang of options.languages) {
      const ctx: StepContext = {
        now: 0,
        params: options.params,
        validate: options.validate,
        data: { items: (source) => (source === 'services' ? [item, item, item] : []) },
        fits: (screen) => ussdRenderer.fits(localiseScreen(options.localizer, screen, lang)),
      };
      const state = { node: LIST_NODE, lang, vars: { need: service.category, region: service.region }, page: 0, history: [], at: 0 };
      for (const screen of screensOf(options.flow, state, ctx)) {
        const length = ussdRenderer.septets(localiseScreen(options.localizer, screen, lang));
        if (length > worst) {
          worst = length;
          where = lang;
        }
      }
    }
    if (worst > USSD_MAX_SEPTETS) {
      problems.push({ row: index + 1, field: 'name, landmark, hours', message: `${worst - USSD_MAX_SEPTETS} character(s) too long for one USSD screen (in ${where}): shorten them` });
    }
  });
  return problems;
}
