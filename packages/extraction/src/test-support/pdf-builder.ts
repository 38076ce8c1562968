// Builds small PDFs for tests: pages with Helvetica text, pages that are
// only an image (a scan without a text layer), and password-protected
// files. The output follows ISO 32000-1 closely enough for pdf.js; it is
// not a general PDF writer.
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";

export interface TextSpec {
  x: number;
  y: number;
  size: number;
  text: string;
}

export interface ImageSpec {
  width: number;
  height: number;
  bitsPerComponent: number;
  /** PDF syntax for the colour space, such as `/DeviceGray`. */
  colorSpace: string;
  /** PDF syntax for the filter and its parameters, or "" for raw samples. */
  filter: string;
  data: Uint8Array;
}

export interface PageSpec {
  width?: number;
  height?: number;
  texts?: TextSpec[];
  /** Drawn over the whole page. */
  image?: ImageSpec;
}

export interface BuildOptions {
  /** Protects the file with RC4 40-bit encryption (revision 2). */
  userPassword?: string;
}

const encoder = new TextEncoder();

/** Writes `pages` as a PDF file. */
export function buildPdf(
  pages: PageSpec[],
  options: BuildOptions = {},
): Uint8Array {
  const objects: Uint8Array[] = [];
  const add = (body: Uint8Array | string) => {
    objects.push(typeof body === "string" ? encoder.encode(body) : body);
    return objects.length;
  };
  const reserve = () => add("");

  const fileId = createHash("md5")
    .update(JSON.stringify(pages.map((p) => p.texts)))
    .digest();
  const security =
    options.userPassword === undefined
      ? null
      : standardSecurity(options.userPassword, fileId);

  const catalog = reserve();
  const pageTree = reserve();
  const font = add(
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
  );

  const pageIds = pages.map((page) => {
    const width = page.width ?? 612;
    const height = page.height ?? 792;
    const image = page.image ? addImage(page.image) : null;
    const content = contentStream(page, width, height);
    const contentId = objects.length + 1;
    add(stream("", security ? security.encrypt(contentId, content) : content));
    const xobject = image ? `/XObject << /Im0 ${image} 0 R >>` : "";
    const resources = `<< /Font << /F1 ${font} 0 R >> ${xobject} >>`;
    return add(
      `<< /Type /Page /Parent ${pageTree} 0 R ` +
        `/MediaBox [0 0 ${width} ${height}] /Resources ${resources} ` +
        `/Contents ${contentId} 0 R >>`,
    );
  });

  function addImage(image: ImageSpec): number {
    const id = objects.length + 1;
    const data = security ? security.encrypt(id, image.data) : image.data;
    const dictionary =
      `/Type /XObject /Subtype /Image ` +
      `/Width ${image.width} /Height ${image.height} ` +
      `/BitsPerComponent ${image.bitsPerComponent} ` +
      `/ColorSpace ${image.colorSpace} ${image.filter}`;
    return add(stream(dictionary, data));
  }

  objects[catalog - 1] = encoder.encode(
    `<< /Type /Catalog /Pages ${pageTree} 0 R >>`,
  );
  const kids = pageIds.map((id) => `${id} 0 R`).join(" ");
  objects[pageTree - 1] = encoder.encode(
    `<< /Type /Pages /Kids [${kids}] /Count ${pageIds.length} >>`,
  );
  const encrypt = security ? add(security.dictionary) : null;

  return serialize(objects, catalog, fileId, encrypt);
}

function contentStream(
  page: PageSpec,
  width: number,
  height: number,
): Uint8Array {
  const operators: string[] = [];
  if (page.image) operators.push(`q ${width} 0 0 ${height} 0 0 cm /Im0 Do Q`);
  for (const text of page.texts ?? []) {
    operators.push(
      `BT /F1 ${text.size} Tf ${text.x} ${text.y} Td (${escapeText(text.text)}) Tj ET`,
    );
  }
  return encoder.encode(operators.join("\n"));
}

function escapeText(text: string): string {
  return text.replace(/[\\()]/g, (char) => `\\${char}`);
}

function stream(dictionary: string, data: Uint8Array): Uint8Array {
  const head = encoder.encode(
    `<< ${dictionary} /Length ${data.length} >>\nstream\n`,
  );
  return concat([head, data, encoder.encode("\nendstream")]);
}

function serialize(
  objects: Uint8Array[],
  root: number,
  fileId: Buffer,
  encrypt: number | null,
): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(offset);
    const part = concat([
      encoder.encode(`${index + 1} 0 obj\n`),
      body,
      encoder.encode("\nendobj\n"),
    ]);
    parts.push(part);
    offset += part.length;
  });

  const id = fileId.toString("hex");
  const xref = [
    "xref",
    `0 ${objects.length + 1}`,
    "0000000000 65535 f ",
    ...offsets.map((value) => `${String(value).padStart(10, "0")} 00000 n `),
    "trailer",
    `<< /Size ${objects.length + 1} /Root ${root} 0 R /ID [<${id}> <${id}>]` +
      (encrypt ? ` /Encrypt ${encrypt} 0 R` : "") +
      " >>",
    "startxref",
    String(offset),
    "%%EOF",
    "",
  ].join("\n");
  parts.push(encoder.encode(xref));
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

// The standard security handler, revision 2 (ISO 32000-1, 7.6.3,
// algorithms 2, 3 and 4), with the owner password equal to the user's.
const PASSWORD_PADDING = Buffer.from(
  "28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a",
  "hex",
);
const ALL_PERMISSIONS = -4;

function standardSecurity(password: string, fileId: Buffer) {
  const padded = Buffer.concat([
    Buffer.from(password, "latin1"),
    PASSWORD_PADDING,
  ]).subarray(0, 32);
  const ownerKey = md5(padded).subarray(0, 5);
  const owner = rc4(ownerKey, padded);

  const permissions = Buffer.alloc(4);
  permissions.writeInt32LE(ALL_PERMISSIONS);
  const fileKey = md5(
    Buffer.concat([padded, owner, permissions, fileId]),
  ).subarray(0, 5);
  const user = rc4(fileKey, PASSWORD_PADDING);

  return {
    dictionary:
      `<< /Filter /Standard /V 1 /R 2 /O <${owner.toString("hex")}> ` +
      `/U <${user.toString("hex")}> /P ${ALL_PERMISSIONS} >>`,
    /** Encrypts the data of object `id` (generation 0). */
    encrypt(id: number, data: Uint8Array): Uint8Array {
      const objectSalt = Buffer.from([
        id & 0xff,
        (id >> 8) & 0xff,
        (id >> 16) & 0xff,
        0,
        0,
      ]);
      const objectKey = md5(Buffer.concat([fileKey, objectSalt])).subarray(
        0,
        10,
      );
      return rc4(objectKey, Buffer.from(data));
    },
  };
}

function md5(data: Buffer): Buffer {
  return createHash("md5").update(data).digest();
}

function rc4(key: Buffer, data: Buffer): Buffer {
  const state = Array.from({ length: 256 }, (_, index) => index);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + state[i]! + key[i % key.length]!) & 0xff;
    [state[i], state[j]] = [state[j]!, state[i]!];
  }

  const output = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let index = 0; index < data.length; index++) {
    i = (i + 1) & 0xff;
    j = (j + state[i]!) & 0xff;
    [state[i], state[j]] = [state[j]!, state[i]!];
    output[index] = data[index]! ^ state[(state[i]! + state[j]!) & 0xff]!;
  }
  return output;
}

/**
 * Wraps a non-interlaced palette or greyscale PNG as a PDF image without
 * decoding it: PNG's zlib data with its per-row filters is what PDF's
 * FlateDecode with PNG predictors reads.
 */
export function imageFromPng(png: Uint8Array): ImageSpec {
  const bytes = Buffer.from(png);
  const chunks = readPngChunks(bytes);
  const header = chunks.get("IHDR")?.[0];
  if (!header) throw new Error("PNG has no IHDR chunk");

  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header[8]!;
  const colorType = header[9]!;
  if (header[12] !== 0)
    throw new Error("PNG is interlaced; save it without interlacing");

  const data = Buffer.concat(chunks.get("IDAT") ?? []);
  inflateSync(data); // rejects a corrupt image here instead of in pdf.js
  const filter =
    `/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 1 ` +
    `/BitsPerComponent ${bitDepth} /Columns ${width} >>`;

  if (colorType === 0) {
    return {
      width,
      height,
      bitsPerComponent: bitDepth,
      colorSpace: "/DeviceGray",
      filter,
      data,
    };
  }
  const palette = chunks.get("PLTE")?.[0];
  if (colorType !== 3 || !palette) {
    throw new Error(
      `PNG colour type ${colorType} is not supported; use palette or greyscale`,
    );
  }
  const highestIndex = palette.length / 3 - 1;
  const lookup = palette.toString("hex");
  const colorSpace = `[/Indexed /DeviceRGB ${highestIndex} <${lookup}>]`;
  return {
    width,
    height,
    bitsPerComponent: bitDepth,
    colorSpace,
    filter,
    data,
  };
}

function readPngChunks(bytes: Buffer): Map<string, Buffer[]> {
  const chunks = new Map<string, Buffer[]>();
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("latin1", offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    chunks.set(type, [...(chunks.get(type) ?? []), body]);
    offset += 12 + length;
  }
  return chunks;
}
