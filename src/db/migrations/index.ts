import { Foundation1700000000001 } from './0001-foundation';
import { Pki1700000000002 } from './0002-pki';
import { AppleEnrollment1700000000003 } from './0003-apple-enrollment';
import { CommandQueue1700000000004 } from './0004-command-queue';
import { Apns1700000000005 } from './0005-apns';
import { CommandIndexes1700000000006 } from './0006-command-indexes';
import { AnswerAndNext1700000000007 } from './0007-answer-and-next';
import { QueueStorage1700000000008 } from './0008-queue-storage';
import { NextCommandPlan1700000000009 } from './0009-next-command-plan';
import { TransactionModel1700000000010 } from './0010-transaction-model';
import { Policy1700000000011 } from './0011-policy';
import { ServerState1700000000012 } from './0012-server-state';
import { AdminApi1700000000013 } from './0013-admin-api';
import { AdminIndexes1700000000014 } from './0014-admin-indexes';
import { Webhooks1700000000015 } from './0015-webhooks';

/**
 * The explicit, ordered list of schema migrations. Append only: a released migration is never
 * edited, a change is a new migration. Each has a working `down`, tested on both databases.
 */
export const MIGRATIONS = [
  Foundation1700000000001,
  Pki1700000000002,
  AppleEnrollment1700000000003,
  CommandQueue1700000000004,
  Apns1700000000005,
  CommandIndexes1700000000006,
  AnswerAndNext1700000000007,
  QueueStorage1700000000008,
  NextCommandPlan1700000000009,
  TransactionModel1700000000010,
  Policy1700000000011,
  ServerState1700000000012,
  AdminApi1700000000013,
  AdminIndexes1700000000014,
  Webhooks1700000000015,
];
