/**
 * The Diameter dictionary as data (STYLE.md "dictionaries are data", in the
 * manner of OTP's .dia files): each AVP is one row (code, vendor, name, type,
 * M-bit, enum names). Lookups are O(1) maps built once; a dictionary can be
 * extended at load time (the daemon adds the `diameter` package's data
 * through daemon/diameter/legacy-adapter.ts) without touching the codec.
 *
 * Rows below come from RFC 6733 §4.5/§8, RFC 4072 §6, RFC 5778, TS 29.229
 * §6.3, TS 29.273 §§7-9, TS 29.329 §6.3 and TS 29.212 §5.3.31.
 */
import { Avp, Avp3gpp, VENDOR_3GPP, AppId, CommandCode } from './constants.js';

export type AvpType =
  | 'OctetString' | 'UTF8String' | 'DiameterIdentity' | 'DiameterURI' | 'IPFilterRule'
  | 'Integer32' | 'Integer64' | 'Unsigned32' | 'Unsigned64' | 'Float32' | 'Float64'
  | 'Enumerated' | 'Address' | 'Time' | 'Grouped';

export interface AvpDef {
  code: number;
  vendorId: number;
  name: string;
  type: AvpType;
  /** Whether we set the M-bit when we send it. */
  mandatory: boolean;
  enums?: Readonly<Record<number, string>>;
}

export interface CommandDef {
  code: number;
  name: string;
  abbrevRequest: string;
  abbrevAnswer: string;
  applicationId: number;
}

export interface ApplicationDef {
  id: number;
  name: string;
}

const key = (code: number, vendorId: number): number => vendorId * 0x1_0000_0000 + code;

export class Dictionary {
  readonly #byCode = new Map<number, AvpDef>();
  readonly #byName = new Map<string, AvpDef>();
  readonly #commands = new Map<string, CommandDef>();
  readonly #apps = new Map<number, ApplicationDef>();

  constructor(avps: readonly AvpDef[] = [], commands: readonly CommandDef[] = [], apps: readonly ApplicationDef[] = []) {
    for (const a of avps) this.addAvp(a);
    for (const c of commands) this.addCommand(c);
    for (const a of apps) this.#apps.set(a.id, a);
  }

  /** Adds or (with replace) overrides a row; rows already present win otherwise. */
  addAvp(def: AvpDef, replace = true): void {
    const k = key(def.code, def.vendorId);
    if (!replace && this.#byCode.has(k)) return;
    this.#byCode.set(k, def);
    if (replace || !this.#byName.has(def.name)) this.#byName.set(def.name, def);
  }

  addCommand(def: CommandDef, replace = true): void {
    const k = `${def.applicationId}:${def.code}`;
    if (!replace && this.#commands.has(k)) return;
    this.#commands.set(k, def);
  }

  addApplication(def: ApplicationDef, replace = true): void {
    if (!replace && this.#apps.has(def.id)) return;
    this.#apps.set(def.id, def);
  }

  avp(code: number, vendorId = 0): AvpDef | undefined {
    return this.#byCode.get(key(code, vendorId));
  }

  avpByName(name: string): AvpDef | undefined {
    return this.#byName.get(name);
  }

  command(applicationId: number, code: number): CommandDef | undefined {
    return this.#commands.get(`${applicationId}:${code}`) ?? this.#commands.get(`0:${code}`);
  }

  application(id: number): ApplicationDef | undefined {
    return this.#apps.get(id);
  }

  get size(): number {
    return this.#byCode.size;
  }

  /** A copy that can be extended without changing this one. */
  clone(): Dictionary {
    const d = new Dictionary();
    for (const a of this.#byCode.values()) d.addAvp(a);
    for (const c of this.#commands.values()) d.addCommand(c);
    for (const a of this.#apps.values()) d.addApplication(a);
    return d;
  }
}

type Row = [code: number, name: string, type: AvpType, mandatory: boolean, enums?: Record<number, string>];

const base: Row[] = [
  [Avp.USER_NAME, 'User-Name', 'UTF8String', true],
  [Avp.CLASS, 'Class', 'OctetString', true],
  [Avp.SESSION_TIMEOUT, 'Session-Timeout', 'Unsigned32', true],
  [Avp.PROXY_STATE, 'Proxy-State', 'OctetString', true],
  [Avp.EAP_KEY_NAME, 'EAP-Key-Name', 'OctetString', true],
  [Avp.HOST_IP_ADDRESS, 'Host-IP-Address', 'Address', true],
  [Avp.AUTH_APPLICATION_ID, 'Auth-Application-Id', 'Unsigned32', true],
  [Avp.ACCT_APPLICATION_ID, 'Acct-Application-Id', 'Unsigned32', true],
  [Avp.VENDOR_SPECIFIC_APPLICATION_ID, 'Vendor-Specific-Application-Id', 'Grouped', true],
  [261, 'Redirect-Host-Usage', 'Enumerated', true],
  [262, 'Redirect-Max-Cache-Time', 'Unsigned32', true],
  [Avp.SESSION_ID, 'Session-Id', 'UTF8String', true],
  [Avp.ORIGIN_HOST, 'Origin-Host', 'DiameterIdentity', true],
  [Avp.SUPPORTED_VENDOR_ID, 'Supported-Vendor-Id', 'Unsigned32', true],
  [Avp.VENDOR_ID, 'Vendor-Id', 'Unsigned32', true],
  [Avp.FIRMWARE_REVISION, 'Firmware-Revision', 'Unsigned32', false],
  [Avp.RESULT_CODE, 'Result-Code', 'Unsigned32', true],
  [Avp.PRODUCT_NAME, 'Product-Name', 'UTF8String', false],
  [270, 'Session-Binding', 'Unsigned32', true],
  [271, 'Session-Server-Failover', 'Enumerated', true],
  [272, 'Multi-Round-Time-Out', 'Unsigned32', true],
  [Avp.DISCONNECT_CAUSE, 'Disconnect-Cause', 'Enumerated', true, { 0: 'REBOOTING', 1: 'BUSY', 2: 'DO_NOT_WANT_TO_TALK_TO_YOU' }],
  [Avp.AUTH_REQUEST_TYPE, 'Auth-Request-Type', 'Enumerated', true, { 1: 'AUTHENTICATE_ONLY', 2: 'AUTHORIZE_ONLY', 3: 'AUTHORIZE_AUTHENTICATE' }],
  [276, 'Auth-Grace-Period', 'Unsigned32', true],
  [Avp.AUTH_SESSION_STATE, 'Auth-Session-State', 'Enumerated', true, { 0: 'STATE_MAINTAINED', 1: 'NO_STATE_MAINTAINED' }],
  [Avp.ORIGIN_STATE_ID, 'Origin-State-Id', 'Unsigned32', true],
  [Avp.FAILED_AVP, 'Failed-AVP', 'Grouped', true],
  [Avp.PROXY_HOST, 'Proxy-Host', 'DiameterIdentity', true],
  [Avp.ERROR_MESSAGE, 'Error-Message', 'UTF8String', false],
  [Avp.ROUTE_RECORD, 'Route-Record', 'DiameterIdentity', true],
  [Avp.DESTINATION_REALM, 'Destination-Realm', 'DiameterIdentity', true],
  [Avp.PROXY_INFO, 'Proxy-Info', 'Grouped', true],
  [285, 'Re-Auth-Request-Type', 'Enumerated', true, { 0: 'AUTHORIZE_ONLY', 1: 'AUTHORIZE_AUTHENTICATE' }],
  [287, 'Accounting-Sub-Session-Id', 'Unsigned64', true],
  [291, 'Authorization-Lifetime', 'Unsigned32', true],
  [292, 'Redirect-Host', 'DiameterURI', true],
  [Avp.DESTINATION_HOST, 'Destination-Host', 'DiameterIdentity', true],
  [Avp.ERROR_REPORTING_HOST, 'Error-Reporting-Host', 'DiameterIdentity', false],
  [Avp.TERMINATION_CAUSE, 'Termination-Cause', 'Enumerated', true, { 1: 'DIAMETER_LOGOUT', 2: 'DIAMETER_SERVICE_NOT_PROVIDED', 3: 'DIAMETER_BAD_ANSWER', 4: 'DIAMETER_ADMINISTRATIVE', 5: 'DIAMETER_LINK_BROKEN', 6: 'DIAMETER_AUTH_EXPIRED', 7: 'DIAMETER_USER_MOVED', 8: 'DIAMETER_SESSION_TIMEOUT' }],
  [Avp.ORIGIN_REALM, 'Origin-Realm', 'DiameterIdentity', true],
  [Avp.EXPERIMENTAL_RESULT, 'Experimental-Result', 'Grouped', true],
  [Avp.EXPERIMENTAL_RESULT_CODE, 'Experimental-Result-Code', 'Unsigned32', true],
  [Avp.INBAND_SECURITY_ID, 'Inband-Security-Id', 'Unsigned32', true],
  [Avp.EAP_PAYLOAD, 'EAP-Payload', 'OctetString', true],
  [Avp.EAP_REISSUED_PAYLOAD, 'EAP-Reissued-Payload', 'OctetString', true],
  [Avp.EAP_MASTER_SESSION_KEY, 'EAP-Master-Session-Key', 'OctetString', true],
  [465, 'Accounting-EAP-Auth-Method', 'Unsigned64', true],
  [Avp.SERVICE_SELECTION, 'Service-Selection', 'UTF8String', true],
  [Avp.MOBILE_NODE_IDENTIFIER, 'Mobile-Node-Identifier', 'UTF8String', true],
];

const tgpp: Row[] = [
  [Avp3gpp.VISITED_NETWORK_IDENTIFIER, 'Visited-Network-Identifier', 'OctetString', true],
  [Avp3gpp.PUBLIC_IDENTITY, 'Public-Identity', 'UTF8String', true],
  [Avp3gpp.SERVER_NAME, 'Server-Name', 'UTF8String', true],
  [Avp3gpp.SIP_NUMBER_AUTH_ITEMS, 'SIP-Number-Auth-Items', 'Unsigned32', true],
  [Avp3gpp.SIP_AUTHENTICATION_SCHEME, 'SIP-Authentication-Scheme', 'UTF8String', true],
  [Avp3gpp.SIP_AUTHENTICATE, 'SIP-Authenticate', 'OctetString', true],
  [Avp3gpp.SIP_AUTHORIZATION, 'SIP-Authorization', 'OctetString', true],
  [Avp3gpp.SIP_AUTHENTICATION_CONTEXT, 'SIP-Authentication-Context', 'OctetString', true],
  [Avp3gpp.SIP_AUTH_DATA_ITEM, 'SIP-Auth-Data-Item', 'Grouped', true],
  [Avp3gpp.SIP_ITEM_NUMBER, 'SIP-Item-Number', 'Unsigned32', true],
  [Avp3gpp.CONFIDENTIALITY_KEY, 'Confidentiality-Key', 'OctetString', true],
  [Avp3gpp.INTEGRITY_KEY, 'Integrity-Key', 'OctetString', true],
  // TS 29.229 §6.3.29-31: Supported-Features and its members carry V, not M.
  [Avp3gpp.SUPPORTED_FEATURES, 'Supported-Features', 'Grouped', false],
  [Avp3gpp.FEATURE_LIST_ID, 'Feature-List-ID', 'Unsigned32', false],
  [Avp3gpp.FEATURE_LIST, 'Feature-List', 'Unsigned32', false],
  [Avp3gpp.USER_IDENTITY, 'User-Identity', 'Grouped', true],
  [Avp3gpp.MSISDN, 'MSISDN', 'OctetString', true],
  [Avp3gpp.USER_DATA, 'User-Data', 'OctetString', true],
  [Avp3gpp.DATA_REFERENCE, 'Data-Reference', 'Enumerated', true, {
    0: 'RepositoryData', 10: 'IMSPublicIdentity', 11: 'IMSUserState', 12: 'S-CSCFName', 13: 'InitialFilterCriteria',
    14: 'LocationInformation', 15: 'UserState', 16: 'ChargingInformation', 17: 'MSISDN', 18: 'PSIActivation',
    19: 'DSAI', 21: 'ServiceLevelTraceInfo', 22: 'IPAddressSecureBindingInformation', 23: 'ServicePriorityLevel',
    24: 'SMSRegistrationInfo', 25: 'UEReachabilityForIP', 26: 'TADSinformation', 27: 'STN-SR', 28: 'UE-SRVCC-Capability',
    29: 'ExtendedPriority', 30: 'CSRN', 31: 'ReferenceLocationInformation', 32: 'IMSI', 33: 'IMSPrivateUserIdentity',
    34: 'IMEISV', 35: 'UE-5G-SRVCC-Capability',
  }],
  [Avp3gpp.SERVICE_INDICATION, 'Service-Indication', 'OctetString', true],
  [Avp3gpp.SUBS_REQ_TYPE, 'Subs-Req-Type', 'Enumerated', true, { 0: 'Subscribe', 1: 'Unsubscribe' }],
  [706, 'Requested-Domain', 'Enumerated', true, { 0: 'CS-Domain', 1: 'PS-Domain' }],
  [707, 'Current-Location', 'Enumerated', true, { 0: 'DoNotNeedInitiateActiveLocationRetrieval', 1: 'InitiateActiveLocationRetrieval' }],
  [708, 'Identity-Set', 'Enumerated', true, { 0: 'ALL_IDENTITIES', 1: 'REGISTERED_IDENTITIES', 2: 'IMPLICIT_IDENTITIES', 3: 'ALIAS_IDENTITIES' }],
  [Avp3gpp.EXPIRY_TIME, 'Expiry-Time', 'Time', false],
  [Avp3gpp.SEND_DATA_INDICATION, 'Send-Data-Indication', 'Enumerated', false, { 0: 'USER_DATA_NOT_REQUESTED', 1: 'USER_DATA_REQUESTED' }],
  [711, 'DSAI-Tag', 'OctetString', true],
  [712, 'One-Time-Notification', 'Enumerated', false, { 0: 'ONE_TIME_NOTIFICATION_REQUESTED' }],
  [Avp3gpp.RAT_TYPE, 'RAT-Type', 'Enumerated', true, {
    0: 'WLAN', 1: 'VIRTUAL', 2: 'TRUSTED-N3GA', 3: 'WIRELINE', 1000: 'UTRAN', 1001: 'GERAN', 1002: 'GAN',
    1003: 'HSPA_EVOLUTION', 1004: 'EUTRAN', 1005: 'EUTRAN-NB-IoT', 1006: 'NR',
  }],
  [Avp3gpp.ANID, 'ANID', 'UTF8String', true],
];

export const CORE_COMMANDS: CommandDef[] = [
  { code: CommandCode.CAPABILITIES_EXCHANGE, name: 'Capabilities-Exchange', abbrevRequest: 'CER', abbrevAnswer: 'CEA', applicationId: 0 },
  { code: CommandCode.DEVICE_WATCHDOG, name: 'Device-Watchdog', abbrevRequest: 'DWR', abbrevAnswer: 'DWA', applicationId: 0 },
  { code: CommandCode.DISCONNECT_PEER, name: 'Disconnect-Peer', abbrevRequest: 'DPR', abbrevAnswer: 'DPA', applicationId: 0 },
  { code: CommandCode.SESSION_TERMINATION, name: 'Session-Termination', abbrevRequest: 'STR', abbrevAnswer: 'STA', applicationId: 0 },
  { code: CommandCode.ABORT_SESSION, name: 'Abort-Session', abbrevRequest: 'ASR', abbrevAnswer: 'ASA', applicationId: 0 },
  { code: CommandCode.DIAMETER_EAP, name: 'Diameter-EAP', abbrevRequest: 'DER', abbrevAnswer: 'DEA', applicationId: AppId.SWm },
  { code: CommandCode.DIAMETER_EAP, name: 'Diameter-EAP', abbrevRequest: 'DER', abbrevAnswer: 'DEA', applicationId: AppId.DIAMETER_EAP },
  { code: CommandCode.MULTIMEDIA_AUTH, name: 'Multimedia-Auth', abbrevRequest: 'MAR', abbrevAnswer: 'MAA', applicationId: AppId.SWx },
  { code: CommandCode.USER_DATA, name: 'User-Data', abbrevRequest: 'UDR', abbrevAnswer: 'UDA', applicationId: AppId.Sh },
  { code: CommandCode.PROFILE_UPDATE, name: 'Profile-Update', abbrevRequest: 'PUR', abbrevAnswer: 'PUA', applicationId: AppId.Sh },
  { code: CommandCode.SUBSCRIBE_NOTIFICATIONS, name: 'Subscribe-Notifications', abbrevRequest: 'SNR', abbrevAnswer: 'SNA', applicationId: AppId.Sh },
  { code: CommandCode.PUSH_NOTIFICATION, name: 'Push-Notification', abbrevRequest: 'PNR', abbrevAnswer: 'PNA', applicationId: AppId.Sh },
];

export const CORE_APPLICATIONS: ApplicationDef[] = [
  { id: AppId.DIAMETER_COMMON_MESSAGES, name: 'Diameter Common Messages' },
  { id: AppId.DIAMETER_EAP, name: 'Diameter EAP' },
  { id: AppId.Sh, name: '3GPP Sh' },
  { id: AppId.SWm, name: '3GPP SWm' },
  { id: AppId.SWx, name: '3GPP SWx' },
  { id: AppId.RELAY, name: 'Relay' },
];

export const CORE_AVPS: AvpDef[] = [
  ...base.map(([code, name, type, mandatory, enums]) => ({ code, vendorId: 0, name, type, mandatory, ...(enums ? { enums } : {}) })),
  ...tgpp.map(([code, name, type, mandatory, enums]) => ({ code, vendorId: VENDOR_3GPP, name, type, mandatory, ...(enums ? { enums } : {}) })),
];

/** The dictionary omnisep needs for base, SWm, SWx and Sh, with nothing loaded from elsewhere. */
export function coreDictionary(): Dictionary {
  return new Dictionary(CORE_AVPS, CORE_COMMANDS, CORE_APPLICATIONS);
}

let shared: Dictionary | undefined;
/** One process-wide core dictionary (immutable by convention: extend a clone). */
export function defaultDictionary(): Dictionary {
  return (shared ??= coreDictionary());
}
