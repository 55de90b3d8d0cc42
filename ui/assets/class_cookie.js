// Backdoor Lab's class membership, kept in this browser. A student's class and secret ride in the page's
// address (ui/classroom.py keeps them there), so a reload or a bookmark brings them back into their class;
// an address typed by hand, or a new tab, does not carry them. This script copies them into a cookie
// whenever the address holds them, and ui/class_cookie.py reads the cookie when a new session starts without
// them. The cookie lasts a workshop day; "Leave this class" on the Join page clears it. Injected once per
// page load by ui/style.py.
(() => {
  if (window.backdoorLabClassCookie) return;
  window.backdoorLabClassCookie = true;
  const NAME = "lab_class", DAY = 12 * 60 * 60;
  let last = "";
  const keep = () => {
    const query = new URLSearchParams(window.location.search);
    const code = query.get("class"), student = query.get("student");
    if (!code || !student) return;
    const value = encodeURIComponent(`${code}:${student}`);
    if (value === last) return;
    last = value;
    document.cookie = `${NAME}=${value}; path=/; max-age=${DAY}; SameSite=Lax`;
  };
  for (const method of ["pushState", "replaceState"]) {  // Streamlit moves the address this way
    const original = window.history[method];
    window.history[method] = function (...args) {
      const result = original.apply(this, args);
      keep();
      return result;
    };
  }
  window.addEventListener("popstate", keep);
  window.backdoorLabForgetClass = () => {
    last = "";
    document.cookie = `${NAME}=; path=/; max-age=0; SameSite=Lax`;
  };
  keep();
})();
