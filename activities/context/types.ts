/**
 * Live domain objects a delivery is built from (SPEC §3: the ContextProvider reads them
 * fresh on every attempt, so retries never send a stale snapshot).
 */
export type Gender = 'M' | 'F' | 'O' | 'U';

export interface PatientContext {
  id: number;
  labId: number;
  /** The lab's medical record number. */
  mrn: string;
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  gender: Gender;
  phone?: string;
}

export interface BillItemContext {
  testCode: string;
  testName: string;
  price: number;
}

export interface BillContext {
  id: number;
  labId: number;
  /** The lab's organisation the bill is for; absent = the lab itself. Org-scoped partner keys see only their org's. */
  orgId?: number;
  billNumber: string;
  status: string;
  totalAmount: number;
  /** ISO 8601 UTC */
  createdAt: string;
  patient: PatientContext;
  items: BillItemContext[];
}

export interface ReportResultContext {
  testCode: string;
  testName: string;
  value: string;
  unit?: string;
  referenceRange?: string;
  /** H, L, A (abnormal) or undefined when normal */
  flag?: string;
}

export interface ReportContext {
  id: number;
  labId: number;
  /** As on bills. */
  orgId?: number;
  billId?: number;
  status: string;
  /** ISO 8601 UTC */
  reportedAt: string;
  patient: PatientContext;
  results: ReportResultContext[];
}

export type EntityContext =
  | { type: 'patient'; patient: PatientContext }
  | { type: 'bill'; bill: BillContext }
  | { type: 'report'; report: ReportContext };

export interface LabContext {
  id: number;
  name: string;
}
