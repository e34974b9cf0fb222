/**
 * The messages of Apple's MDM protocol as Slate's services see them (Apple's key names), decoded
 * and encoded by this package. https://developer.apple.com/documentation/devicemanagement
 */

/** https://developer.apple.com/documentation/devicemanagement/check-in */
export interface CheckinBase {
  UDID?: string;
  EnrollmentID?: string;
  /** Set on user-channel messages; Slate manages the device channel only. */
  UserID?: string;
}

export type CheckinMessage =
  | (CheckinBase & {
      MessageType: 'Authenticate';
      Topic: string;
      SerialNumber?: string;
      Model?: string;
      ModelName?: string;
      ProductName?: string;
      DeviceName?: string;
      OSVersion?: string;
      BuildVersion?: string;
    })
  | (CheckinBase & {
      MessageType: 'TokenUpdate';
      Topic: string;
      Token: Buffer;
      PushMagic: string;
      UnlockToken?: Buffer;
      AwaitingConfiguration?: boolean;
    })
  | (CheckinBase & { MessageType: 'CheckOut'; Topic?: string })
  | (CheckinBase & { MessageType: 'UserAuthenticate' })
  | (CheckinBase & { MessageType: 'GetBootstrapToken'; AwaitingConfiguration?: boolean })
  | (CheckinBase & { MessageType: 'SetBootstrapToken'; BootstrapToken?: Buffer; AwaitingConfiguration?: boolean })
  | (CheckinBase & { MessageType: 'DeclarativeManagement'; Endpoint: string; Data?: Buffer })
  | (CheckinBase & { MessageType: 'GetToken'; TokenServiceType?: string });

/** A command as the device receives it inside `{CommandUUID, Command}`. */
export type AppleCommand = { RequestType: string } & Record<string, unknown>;

/** A decoded report from the device on the command endpoint (ServerURL). */
export interface DeviceReport {
  status: 'Idle' | 'Acknowledged' | 'Error' | 'CommandFormatError' | 'NotNow';
  commandUuid?: string;
  errorChain?: unknown[];
  /** The whole decoded report (responses to queries live in it). */
  body: Record<string, unknown>;
}

/** Facts about a device that its DeviceInformation answer refreshes on the device record. */
export interface DeviceFacts {
  model?: string;
  modelName?: string;
  osVersion?: string;
  buildVersion?: string;
  name?: string;
  serialNumber?: string;
  /** IsSupervised: policy skips supervised-only entries on an iPad that says false. */
  supervised?: boolean;
}
