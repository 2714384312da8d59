// Loads the PDF generator, a wasm module of its own, the first time a document is printed,
// so no other page downloads it.
let generator;

export function loadDocuments(url) {
  generator ??= import(url)
    .then(async (module) => {
      await module.default();
      return module;
    })
    .catch((error) => {
      // Let the next click try again (e.g. after the connection came back).
      generator = undefined;
      throw error;
    });
  return generator;
}

export async function renderPdf(url, kind, dataJson, font) {
  const module = await loadDocuments(url);
  return module.render_pdf(kind, dataJson, font);
}
