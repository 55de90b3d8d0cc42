// Backdoor Lab's focus ring for the page's own scroll area. Streamlit makes its main area focusable (the
// arrow keys scroll it), and its widgets' code can move the focus there by script, for instance to the
// nearest focusable box when a control loses the focus. A focus moved by script does not always match
// :focus-visible, so a keyboard user could lose sight of where the keys now act. This script notes
// whether the last input came from the keys or a pointer (on the page's root, data-lab-input), and
// lab.css rings the main area while it holds the focus after keys. Injected once per page load by
// ui/style.py.
(() => {
  if (window.backdoorLabKeyboard) return;
  window.backdoorLabKeyboard = true;
  const root = document.documentElement;
  document.addEventListener("keydown", (event) => {
    if (!event.ctrlKey && !event.metaKey) root.dataset.labInput = "keys";
  }, true);
  document.addEventListener("pointerdown", () => { root.dataset.labInput = "pointer"; }, true);
})();
