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
});
