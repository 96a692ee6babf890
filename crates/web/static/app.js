// Dengta's own script. Pages work without it; it only adds conveniences.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions (buttons marked .danger).
  for (const b of document.querySelectorAll("button.danger")) {
    b.addEventListener("click", (ev) => {
      const msg = document.documentElement.lang === "en" ? "Are you sure?" : "确定执行此操作吗？";
      if (!window.confirm(msg)) ev.preventDefault();
    });
  }
  // Assessment questionnaire: show each ratio live as its figures are typed (the server
  // computes the same ratio, exactly, when the draft is saved).
  for (const out of document.querySelectorAll("output.ratio-out")) {
    const form = out.closest("form");
    const num = form && form.elements.namedItem(out.dataset.num);
    const den = form && form.elements.namedItem(out.dataset.den);
    if (!num || !den) continue;
    const update = () => {
      const n = Number(num.value), d = Number(den.value);
      out.textContent = num.value !== "" && den.value !== "" && d > 0 && n >= 0 ? (n * 100 / d).toFixed(1) + "%" : "—";
    };
    num.addEventListener("input", update);
    den.addEventListener("input", update);
  }
});
