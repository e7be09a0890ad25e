// What the extension hands to the server. A secret scanner watches every
// text document, whatever its language: a key pasted into a Makefile, an
// untitled buffer or a notebook cell leaks as easily as one in a .py file,
// and the server decides what to flag from the name and the text. So the
// selector names schemes, never languages:
//   file                  files on disk, any language (Makefile, .env*, …)
//   untitled              new buffers not saved yet
//   vscode-notebook-cell  each cell of a notebook, synced as a text document
//                         of its own (the server does not announce
//                         notebookDocumentSync, so vscode-languageclient
//                         sends the cells through plain text sync)
// Other schemes are left out on purpose: git: and other read-only views of
// a file would show every finding twice, and output:/vscode-userdata: are
// the editor's own.
export const DOCUMENT_SCHEMES = ['file', 'untitled', 'vscode-notebook-cell'] as const;

/** The languageclient document selector: every language of each scheme. */
export function documentSelector(): { scheme: string }[] {
  return DOCUMENT_SCHEMES.map((scheme) => ({ scheme }));
}
