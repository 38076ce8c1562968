// The text layer of a PDF as lines of text runs, built from the positioned
// text items that pdf.js returns. Coordinates are PDF user space: points,
// origin at the bottom left of the page, so a larger y is higher up.
//
// Grouping is geometric only: two columns whose baselines agree form one
// line, and a value set a few points below its label forms a line of its
// own. Rotated text is placed by its origin like any other run.

/** One text item from pdf.js, with its position. */
export interface TextRun {
  /** The text exactly as pdf.js returned it. */
  text: string;
  /** Left edge of the run (points). */
  x: number;
  /** Baseline of the run (points from the bottom of the page). */
  y: number;
  width: number;
  /** Font size in points, as pdf.js reports the item height. */
  height: number;
  /** Offset of the run's first character in the line's `text`. */
  start: number;
  /** Offset after the run's last character in the line's `text`. */
  end: number;
}

/** Runs sharing a baseline, ordered left to right. */
export interface TextLine {
  /**
   * The runs joined in x order, whitespace collapsed to single spaces, one
   * space where the runs leave a visible gap, trimmed.
   */
  text: string;
  /** Baseline of the highest run in the line (points). */
  y: number;
  /** Largest font size in the line (points). */
  height: number;
  runs: TextRun[];
}

export interface PdfPageText {
  /** 1-based page number. */
  pageNumber: number;
  /** Lines from the top of the page down. */
  lines: TextLine[];
}

export interface PdfTextLayer {
  pageCount: number;
  pages: PdfPageText[];
}

/** A text item as pdf.js returns it from `getTextContent()`. */
export interface PositionedText {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

/**
 * Baselines closer than this share a line, as a fraction of the smaller of
 * the two font sizes. 0.2 keeps a 14 pt value set 3 pt below its 10 pt
 * label on a line of its own, as the Loan Estimate's rate is.
 */
const SAME_LINE_TOLERANCE = 0.2;

/** A gap wider than this fraction of the font size reads as a space. */
const WORD_GAP = 0.15;

interface PlacedItem {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Groups one page's text items into lines, top to bottom. */
export function groupIntoLines(items: readonly PositionedText[]): TextLine[] {
  const placed = items
    .filter((item) => item.str.length > 0)
    .map(placeItem)
    .sort((a, b) => b.y - a.y || a.x - b.x);

  const groups: PlacedItem[][] = [];
  let current: PlacedItem[] = [];
  for (const item of placed) {
    const anchor = current[0];
    if (anchor && !sharesBaseline(anchor, item)) {
      groups.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) groups.push(current);

  return groups.map(buildLine).filter((line) => line.text.length > 0);
}

function placeItem(item: PositionedText): PlacedItem {
  const [, , c = 0, d = 0, x = 0, y = 0] = item.transform;
  const height = item.height > 0 ? item.height : Math.hypot(c, d);
  return { text: item.str, x, y, width: item.width, height };
}

function sharesBaseline(anchor: PlacedItem, item: PlacedItem): boolean {
  const tolerance = SAME_LINE_TOLERANCE * Math.min(anchor.height, item.height);
  return anchor.y - item.y <= tolerance;
}

function buildLine(items: PlacedItem[]): TextLine {
  const ordered = [...items].sort((a, b) => a.x - b.x);
  const runs: TextRun[] = [];
  let text = "";
  let pendingSpace = false;
  let previous: PlacedItem | undefined;

  for (const item of ordered) {
    const collapsed = item.text.replace(/\s+/g, " ");
    const content = collapsed.trim();
    if (content === "") {
      pendingSpace = true;
    } else {
      const gap = previous ? item.x - (previous.x + previous.width) : 0;
      const spaced =
        pendingSpace ||
        collapsed.startsWith(" ") ||
        gap > WORD_GAP * Math.min(item.height, previous?.height ?? item.height);
      if (text !== "" && spaced) text += " ";
      pendingSpace = collapsed.endsWith(" ");
      previous = item;
    }
    const start = text.length;
    text += content;
    runs.push({ ...item, start, end: text.length });
  }

  return {
    text,
    y: Math.max(...items.map((item) => item.y)),
    height: Math.max(...items.map((item) => item.height)),
    runs,
  };
}

/** True when no page carries any visible character. */
export function isTextLayerEmpty(layer: PdfTextLayer): boolean {
  return layer.pages.every((page) => page.lines.length === 0);
}

/** 1-based numbers of the pages that carry no visible character. */
export function pagesWithoutText(layer: PdfTextLayer): number[] {
  return layer.pages
    .filter((page) => page.lines.length === 0)
    .map((page) => page.pageNumber);
}
