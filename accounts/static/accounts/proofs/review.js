/* The review screen of a kinship proof: the pages in Viewer.js (inline), the OCR boxes drawn
   over the page in an SVG that follows the viewer's zoom, rotation and moves, and the keys
   of the decision forms (never while typing in a text field). */
(function () {
  "use strict";

  const root = document.querySelector("[data-review]");
  if (!root) {
    return;
  }
  const SVG = "http://www.w3.org/2000/svg";
  const boxesData = JSON.parse(document.getElementById("proof-boxes").textContent || "{}");
  const toggle = document.getElementById("proof-boxes-toggle");
  const list = document.getElementById("proof-pages");
  let viewer = null;
  let overlay = null;
  let observer = null;

  // --- the boxes over the page ---------------------------------------------------------

  function follow(image) {
    // The overlay takes the image's size, place and transform each time the viewer sets them.
    overlay.setAttribute("style", image.getAttribute("style") || "");
    overlay.setAttribute("class", "proof-boxes " + (image.getAttribute("class") || ""));
    // laid over the image (which stays in the canvas's flow, placed by its margins)
    overlay.style.position = "absolute";
    overlay.style.left = "0";
    overlay.style.top = "0";
    overlay.style.display = toggle && !toggle.checked ? "none" : "";
  }

  function drawBoxes() {
    if (!viewer || !viewer.image) {
      return;
    }
    const image = viewer.image;
    const original = viewer.images[viewer.index];
    const pageId = original ? original.dataset.pageId : null;
    if (observer) {
      observer.disconnect();
    }
    if (overlay && overlay.parentNode) {
      overlay.parentNode.removeChild(overlay);
    }
    const boxes = (pageId && boxesData[pageId]) || [];
    overlay = document.createElementNS(SVG, "svg");
    const width = image.naturalWidth || Number(original.dataset.width) || 1;
    const height = image.naturalHeight || Number(original.dataset.height) || 1;
    overlay.setAttribute("viewBox", "0 0 " + width + " " + height);
    overlay.setAttribute("preserveAspectRatio", "none");
    overlay.dataset.page = pageId || "";
    overlay.dataset.boxes = String(boxes.length);
    boxes.forEach(function (item) {
      const polygon = document.createElementNS(SVG, "polygon");
      polygon.setAttribute(
        "points",
        item.box.map(function (point) { return point[0] + "," + point[1]; }).join(" ")
      );
      polygon.setAttribute("class", "proof-box proof-box-" + item.kind);
      polygon.dataset.kind = item.kind;
      polygon.dataset.what = item.what;
      const title = document.createElementNS(SVG, "title");
      title.textContent = item.text;
      polygon.appendChild(title);
      overlay.appendChild(polygon);
    });
    image.parentNode.insertBefore(overlay, image.nextSibling);
    follow(image);
    observer = new MutationObserver(function () { follow(image); });
    observer.observe(image, { attributes: true, attributeFilter: ["style", "class"] });
  }

  if (list && window.Viewer && list.querySelector("img")) {
    viewer = new window.Viewer(list, {
      inline: true,
      url: "data-original",
      navbar: true,
      button: false,
      keyboard: false,
      backdrop: false,
      title: [1, function (image) { return image.alt; }],
      toolbar: {
        zoomIn: 1,
        zoomOut: 1,
        oneToOne: 1,
        reset: 1,
        prev: 1,
        play: 0,
        next: 1,
        rotateLeft: 1,
        rotateRight: 1,
        flipHorizontal: 0,
        flipVertical: 0,
      },
      viewed: drawBoxes,
    });
    const start = /^#page-(\d+)$/.exec(window.location.hash);
    if (start) {
      viewer.view(Number(start[1]) - 1);
    }
  }
  if (toggle) {
    toggle.addEventListener("change", function () {
      if (overlay) {
        overlay.style.display = toggle.checked ? "" : "none";
      }
    });
  }

  // --- the decision forms --------------------------------------------------------------

  const steps = Array.from(root.querySelectorAll(".proof-step"));
  const forms = Array.from(root.querySelectorAll(".proof-step-form"));

  function openStep(step) {
    const form = root.querySelector('.proof-step-form[data-form="' + step + '"]');
    if (!form) {
      return;
    }
    forms.forEach(function (other) { other.hidden = other !== form; });
    steps.forEach(function (button) {
      button.classList.toggle("active", button.dataset.step === step);
      button.setAttribute("aria-selected", button.dataset.step === step ? "true" : "false");
    });
    const first = form.querySelector("[data-first]") || form.querySelector("[data-submit]");
    if (first) {
      first.focus();
    }
  }

  steps.forEach(function (button) {
    button.addEventListener("click", function () { openStep(button.dataset.step); });
  });
  forms.forEach(function (form) {
    if (!form.hidden) {
      openStep(form.dataset.form);
    }
    form.addEventListener("submit", function () {
      const submit = form.querySelector("[data-submit]");
      if (submit) {
        submit.disabled = true; // one decision per press
      }
    });
  });

  function typing(target) {
    if (!target || !target.closest) {
      return false;
    }
    if (target.closest("textarea, select, [contenteditable]")) {
      return true;
    }
    const input = target.closest("input");
    return Boolean(input) && !["checkbox", "radio", "button", "submit"].includes(input.type);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape") {
        event.target.blur();
      }
      return;
    }
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const step = root.querySelector('.proof-step[data-key="' + key + '"]');
    if (step) {
      event.preventDefault();
      openStep(step.dataset.step);
      return;
    }
    if (key === "c") {
      const claim = root.querySelector('button[data-key="c"]');
      if (claim) {
        event.preventDefault();
        claim.focus();
      }
      return;
    }
    if (key === "v" && toggle) {
      toggle.checked = !toggle.checked;
      toggle.dispatchEvent(new Event("change"));
      return;
    }
    if (!viewer) {
      return;
    }
    const actions = {
      ArrowLeft: function () { viewer.prev(); },
      ArrowRight: function () { viewer.next(); },
      "+": function () { viewer.zoom(0.2); },
      "=": function () { viewer.zoom(0.2); },
      "-": function () { viewer.zoom(-0.2); },
      "[": function () { viewer.rotate(-90); },
      "]": function () { viewer.rotate(90); },
      "0": function () { viewer.reset(); },
    };
    if (actions[key]) {
      event.preventDefault();
      actions[key]();
    }
  });
})();
