// A photo's facts, found before it is uploaded: its size in pixels (so the log reserves its box)
// and a small preview (the thumbnail part of the upload): longest side THUMBNAIL_LONGEST_PX,
// WebP where the browser makes it, else JPEG, at lower quality and then smaller until it is
// at most MAX_THUMBNAIL_BYTES. The sizing is pure; the rest needs a canvas.
import { MAX_THUMBNAIL_BYTES } from '../../../protocol/api.ts'

export const THUMBNAIL_LONGEST_PX = 320
/** Tried in order until the thumbnail fits; then the same again at the next smaller size. */
export const THUMBNAIL_QUALITIES = [0.82, 0.72, 0.62, 0.5, 0.38] as const
export const THUMBNAIL_SIDES = [THUMBNAIL_LONGEST_PX, 240, 160] as const
const FORMATS = ['image/webp', 'image/jpeg'] as const

/** `width` × `height` scaled so its longest side is at most `longest`; never enlarged, never under 1 px. */
export function scaledSize(width: number, height: number, longest: number): { width: number; height: number } {
  const scale = Math.min(1, longest / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/** A file this small is its own preview: no thumbnail is made (an animated GIF stays animated). */
export function needsThumbnail(bytes: number): boolean {
  return bytes > MAX_THUMBNAIL_BYTES
}

export interface ImageFacts {
  width: number
  height: number
  /** Null when the file is small enough to be its own preview, or no preview could be made that fits. */
  thumbnail: Blob | null
}

interface Decoded {
  source: CanvasImageSource
  width: number
  height: number
  close(): void
}

async function decode(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      // Turned as the camera meant it (EXIF), as an <img> shows it.
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
      return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() }
    } catch {
      // Some browsers decode a few formats only through <img>: try that.
    }
  }
  // A blob: URL, which the CSP allows for images (img-src 'self' data: blob:).
  const url = URL.createObjectURL(file)
  const img = new Image()
  img.decoding = 'async'
  img.src = url
  try {
    await img.decode()
  } catch (err) {
    URL.revokeObjectURL(url)
    throw err
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) }
}

function toBlob(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality))
}

function draw(image: Decoded, width: number, height: number, opaque: boolean): HTMLCanvasElement | null {
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const ctx = canvas.getContext('2d')
  if (!ctx) return null
  // JPEG has no transparency: a transparent PNG would turn black without a background.
  if (opaque) {
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, width, height)
  }
  ctx.imageSmoothingEnabled = true
  ctx.imageSmoothingQuality = 'high'
  ctx.drawImage(image.source, 0, 0, width, height)
  return canvas
}

async function encode(image: Decoded): Promise<Blob | null> {
  const unsupported = new Set<string>()
  for (const side of THUMBNAIL_SIDES) {
    const size = scaledSize(image.width, image.height, side)
    for (const type of FORMATS) {
      if (unsupported.has(type)) continue
      const canvas = draw(image, size.width, size.height, type === 'image/jpeg')
      if (!canvas) return null
      for (const quality of THUMBNAIL_QUALITIES) {
        const blob = await toBlob(canvas, type, quality)
        // A browser that cannot write this format gives PNG instead: use the next format.
        if (!blob || blob.type !== type) {
          unsupported.add(type)
          break
        }
        if (blob.size <= MAX_THUMBNAIL_BYTES) return blob
      }
    }
  }
  return null
}

/** The photo's size and thumbnail; null when the browser cannot decode it (it is then sent as it is). */
export async function readImage(file: Blob): Promise<ImageFacts | null> {
  let image: Decoded
  try {
    image = await decode(file)
  } catch {
    return null
  }
  try {
    if (image.width <= 0 || image.height <= 0) return null
    const thumbnail = needsThumbnail(file.size) ? await encode(image).catch(() => null) : null
    return { width: image.width, height: image.height, thumbnail }
  } finally {
    image.close()
  }
}
