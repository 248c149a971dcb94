// Types of figures.mjs, for the benchmarks written in TypeScript.
export interface Side {
  label: string;
  value: number;
}
export interface Figure {
  id: string;
  title: string;
  value: number;
  unit: string;
  size: string;
  goal?: { op: '<=' | '>='; value: number };
  baseline?: Side;
  reference?: Side;
  note?: string;
}
export function figure(f: Figure): Figure;
export function meets(f: Figure): boolean | undefined;
export function readFigures(file: string): Array<Figure & { at: string }>;
export function percentile(sorted: number[], p: number): number;
export function rssMiB(pid: number): number | undefined;
