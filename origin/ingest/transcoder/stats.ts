/** Parses ffmpeg's stderr progress lines (`frame= … fps= … speed=…x`). Pure. */

/** One progress sample. */
export interface FfmpegProgress {
  frame: number
  fps: number
  /** Media seconds per wall second (1 = real time); NaN when ffmpeg prints N/A. */
  speed: number
}

/** Reads a progress line, or undefined for any other stderr line. */
export function parseProgress(line: string): FfmpegProgress | undefined {
  const frame = /frame=\s*(\d+)/.exec(line)
  const speed = /speed=\s*([\d.]+|N\/A)x?/.exec(line)
  if (frame === null || speed === null) return undefined
  const fps = /fps=\s*([\d.]+)/.exec(line)
  return {
    frame: Number(frame[1]),
    fps: fps === null ? 0 : Number(fps[1]),
    speed: speed[1] === 'N/A' ? Number.NaN : Number(speed[1]),
  }
}

/** Splits a stderr chunk on CR/LF, keeping a partial tail for the next chunk. */
export function splitLines(tail: string, chunk: string): { lines: string[]; tail: string } {
  const parts = (tail + chunk).split(/\r\n|\r|\n/)
  const rest = parts.pop() ?? ''
  // A runaway line without terminators must not grow without bound.
  return { lines: parts.filter((l) => l.trim() !== ''), tail: rest.length > 4096 ? '' : rest }
}

/** Removes secrets ffmpeg echoes back (the SRT passphrase and stream id in its input URL). */
export function redactLine(line: string): string {
  return line.replace(/(passphrase|streamid)=[^&\s:]*/g, '$1=[redacted]')
}
