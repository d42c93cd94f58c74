/* Layout on small screens, as progressive enhancement (without script every page still works):
   - the main menu folds behind a "Menu" button on narrow screens (a disclosure button with aria-expanded);
   - a table wider than the page is shown one row per block, each cell headed by its column's name
     (data-label, from the table's header), so no page scrolls sideways. */
(function () {
  "use strict";

  function setUpMenu() {
    var header = document.querySelector("[data-menu]");
    if (!header) { return; }
    var button = header.querySelector("[data-menu-toggle]");
    if (!button) { return; }
    header.classList.add("has-menu-script");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        button.setAttribute("aria-expanded", "false");
        header.classList.remove("menu-open");
        button.focus();
      }
    });
  }

  function labelCells(table) {
    var head = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (!head) { return false; }
    var names = [];
    for (var i = 0; i < head.cells.length; i++) {
      var span = head.cells[i].colSpan || 1;
      for (var j = 0; j < span; j++) { names.push(head.cells[i].textContent.replace(/\s+/g, " ").trim()); }
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var column = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (names[column] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", names[column]); }
          column += cell.colSpan || 1;
        }
      }
    }
    return true;
  }

  function fitTables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      var container = table.parentElement;
      table.removeAttribute("data-stacked");
      if (!container || table.offsetWidth <= container.clientWidth + 1) { continue; }
      if (labelCells(table)) { table.setAttribute("data-stacked", ""); }
    }
  }

  function ready() {
    setUpMenu();
    fitTables();
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(fitTables, 100);
    });
    // htmx swaps new rows in (filters, pagination): fit the tables again.
    document.body.addEventListener("htmx:afterSettle", fitTables);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
