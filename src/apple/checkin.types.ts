/**
 * The check-in messages the service acts on, as decoded by apple/protocol (Apple's key names).
 * https://developer.apple.com/documentation/devicemanagement/check-in
 */
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

/** The device as proven by its identity certificate (Mdm-Signature or a proxy-forwarded client cert). */
export interface DeviceIdentity {
  /** SHA-256 of the certificate DER, hex. */
  fingerprint: string;
  serial: string;
  /** Device the certificate is bound to (at Authenticate), if any. */
  deviceId: string | null;
  /** Placement carried from the enrolment link through the SCEP challenge. */
  schoolId: string | null;
  gradeId: string | null;
  classId: string | null;
  enrollmentTokenId: string | null;
}

/** What a handler answers a device: a bare status, optionally with a body. */
export interface DeviceReply {
  status: number;
  body?: Buffer;
  contentType?: string;
  /** Why, for the log line (devices never see it). */
  reason?: string;
}
