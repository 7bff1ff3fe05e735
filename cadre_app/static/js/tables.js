// Phones: every data table in the page content reads as one card per row below 576 px
// (app.css, .table-stack). Each body cell gets its column's header as data-label, shown
// before the value. A table opts out with data-stack="off". Without JavaScript the tables
// keep their columns and scroll sideways.
(function () {
  "use strict";

  function headerLabels(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) return null;
    var labels = [];
    var cells = head.rows[head.rows.length - 1].cells;
    for (var i = 0; i < cells.length; i++) {
      var text = cells[i].textContent.replace(/[\u25b2\u25bc]/g, "").replace(/\s+/g, " ").trim();
      for (var span = 0; span < (cells[i].colSpan || 1); span++) labels.push(text);
    }
    return labels;
  }

  function stack(table) {
    if (table.getAttribute("data-stack") === "off") return;
    var labels = headerLabels(table);
    if (!labels) return;
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var column = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (!cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", cell.colSpan > 1 ? "" : labels[column] || "");
          }
          if (!cell.textContent.trim() && !cell.querySelector("input, button, select, a, img, svg")) {
            cell.setAttribute("data-empty", "");
          }
          column += cell.colSpan || 1;
        }
      }
    }
    table.classList.add("table-stack");
  }

  var tables = document.querySelectorAll("main table");
  for (var i = 0; i < tables.length; i++) stack(tables[i]);
})();
