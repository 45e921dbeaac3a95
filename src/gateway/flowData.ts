import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Directory } from '../directory/directory';
import type { DataItem, FlowData, StepContext } from '../flows/engine';
import { normaliseReference } from '../caseLink/referenceCode';

/** The flows' read-only data: the directory snapshot (replaced after an import) and the offered languages. */
export function createFlowData(directory: () => Directory, languages: string[]): FlowData {
  const languageItems: DataItem[] = languages.map((id) => ({ id, fields: {} }));
  return {
    items(source, vars) {
      if (source === 'languages') return languageItems;
      if (source === 'regions')
        return directory()
          .regions()
          .map((r) => ({ id: r.id, fields: { name: r.name } }));
      return directory()
        .services(vars.need ?? '', vars.region ?? '')
        .map((s) => ({ id: s.id, fields: { name: s.name, landmark: s.landmark, hours: s.hours, phone: s.phone, access: s.access, entry: s.entry } }));
    },
  };
}

/** Keypad validators: a phone number (read with the deployment's country) or a reference code. */
export function createValidator(defaultCountry: string): StepContext['validate'] {
  return (kind, input) => {
    if (kind === 'reference') return normaliseReference(input);
    const cleaned = input.replace(/[^0-9+]/g, '');
    if (cleaned.length < 6 || cleaned.length > 16) return null;
    const phone = parsePhoneNumberFromString(cleaned.startsWith('00') ? `+${cleaned.slice(2)}` : cleaned, defaultCountry as CountryCode);
    return phone?.isValid() ? phone.number : null;
  };
}
