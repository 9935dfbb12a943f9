// Forms with data-confirm ask before they are sent (CSP allows no inline
// script): withdrawing a sign-up takes its bid files and bid form with it.
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (f && f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
    e.preventDefault();
  }
});
