/** The xcap-caps global document (RFC 4825 §12.2): the AUIDs and namespaces omnisep serves. Pure. */
import { COMMON_POLICY_NS, SIMSERVS_AUID, SIMSERVS_NS, XCAP_CAPS_AUID, XCAP_CAPS_NS, XCAP_ERROR_NS } from './uri.js';

export function buildXcapCaps(): string {
  const auids = [XCAP_CAPS_AUID, SIMSERVS_AUID].map((a) => `<auid>${a}</auid>`).join('');
  const nss = [XCAP_CAPS_NS, SIMSERVS_NS, COMMON_POLICY_NS, XCAP_ERROR_NS].map((n) => `<namespace>${n}</namespace>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xcap-caps xmlns="${XCAP_CAPS_NS}"><auids>${auids}</auids><extensions/><namespaces>${nss}</namespaces></xcap-caps>\n`;
}
