// Backdoor Lab's menu on a phone: the sidebar covers the whole page there, and Streamlit closes it after
// a tap only in its own page list. The lab's menu is page links (app.py's menu()), so a tap on one would
// leave the menu over the page it opens. Close it, as the built-in list does, below Streamlit's 768 px
// breakpoint, where the sidebar overlays the page. Injected once per page load by ui/style.py.
(() => {
  if (window.backdoorLabPhoneMenu) return;
  window.backdoorLabPhoneMenu = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]');
    if (!link || window.innerWidth >= 768) return;
    const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (close) window.setTimeout(() => close.click(), 0);
  }, true);
})();
