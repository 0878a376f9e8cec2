// Shows "This page may be out of date" once the reader's date passes the page's review date.
// The build refuses overdue pages; this covers a copy saved or cached long after it was built.
(function () {
  var note = document.getElementById("review-warning");
  if (!note) return;
  var due = note.getAttribute("data-review-by");
  var today = new Date().toISOString().slice(0, 10);
  if (due && today > due) note.hidden = false;
})();
