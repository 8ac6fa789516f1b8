// Small but real DICOM for the demo and the end-to-end tests: a Secondary Capture instance written by
// dcmjs as a Part 10 file, and the multipart/related body STOW-RS takes.
import { randomBytes } from 'node:crypto';
// dcmjs ships no types; the two classes used here are declared below.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs') as {
  data: {
    DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
    DicomMetaDictionary: { denaturalizeDataset(d: Record<string, unknown>): unknown };
  };
};

export interface DicomInstance {
  study: string;
  series: string;
  sop: string;
  bytes: Uint8Array;
}

let counter = 0;
/** A UUID-derived UID (2.25.<decimal>), unique per call. */
const uid = (): string => `2.25.${BigInt('0x' + randomBytes(14).toString('hex')).toString()}${++counter}`;

/** `pixelBytes` sizes the (random, square, 8-bit) image: a long download needs a big instance. */
export function makeDicomInstance(opts: { study?: string; series?: string; patient?: string; pixelBytes?: number } = {}): DicomInstance {
  const study = opts.study ?? uid();
  const series = opts.series ?? uid();
  const sop = uid();
  const side = Math.max(8, Math.floor(Math.sqrt(opts.pixelBytes ?? 4096)));
  const pixels = randomBytes(side * side);
  const dataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: sop,
    StudyInstanceUID: study,
    SeriesInstanceUID: series,
    PatientID: opts.patient ?? 'DPL-DEMO',
    PatientName: 'Private^Link',
    StudyDate: '20261127',
    Modality: 'OT',
    SeriesNumber: '1',
    InstanceNumber: '1',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: side,
    Columns: side,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength),
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.20261127',
    ImplementationVersionName: 'DPL',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return { study, series, sop, bytes: new Uint8Array(dict.write()) };
}

/** The STOW-RS request body: one application/dicom part per instance. */
export function multipartRelated(parts: Uint8Array[]): { body: Buffer; contentType: string } {
  const boundary = `dpl-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(p), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}
