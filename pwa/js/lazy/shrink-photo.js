const MAX_SIDE = 1280;

// Phone photos are 3–12 MB; a 1280px JPEG carries the same evidence in ~200 KB,
// which matters on a weak, metered connection.
export async function shrinkPhoto(file) {
  let bmp;
  try {
    bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file; // a format the browser cannot decode: let the server judge it
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bmp.width * scale);
  canvas.height = Math.round(bmp.height * scale);
  canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close?.();
  const blob = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', 0.82));
  // Always the re-encoded copy, even when larger: it carries no EXIF (GPS, phone model).
  return blob || file;
}
