/* The admin's calendar popup (Django's calendar.js, which Unfold's date fields use) with a
   caption in the reader's language: "2026年11月" in Chinese, "November 2026" in English.

   calendar.js joins the month's name and the year with a space ("十一月 2026"), an order
   no translation can change; this wraps its draw() to write the caption from a translated
   pattern (djangojs catalogue, context "calendar caption"). The weekday initials (一 二 三 …)
   come from the same catalogue. Loaded on every admin page (settings.UNFOLD["SCRIPTS"]),
   before the form's own scripts, so it waits for the page to have them. */
'use strict';
document.addEventListener('DOMContentLoaded', function() {
    const calendar = window.CalendarNamespace;
    if (!calendar || typeof window.pgettext !== 'function' || calendar.portalCaption) {
        return;
    }
    const draw = calendar.draw;
    calendar.draw = function(month, year, divId, callback, selected) {
        draw.apply(this, arguments);
        const caption = document.querySelector('#' + divId + ' caption');
        if (caption) {
            const number = parseInt(month);
            caption.textContent = window.interpolate(
                window.pgettext('calendar caption', '%(month_name)s %(year)s'),
                {month_name: calendar.monthsOfYear[number - 1], month: number, year: parseInt(year)},
                true
            );
        }
    };
    calendar.portalCaption = true;
});
