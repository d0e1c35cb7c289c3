// Read an iCalendar text from stdin with ical.js (Thunderbird's parser) and print what a
// calendar program would see: method and, per event, UID, SEQUENCE, STATUS and the start and
// end instants in UTC, resolved through the VTIMEZONE of the file itself (ical.js has no
// time-zone database of its own).
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const calendar = new ICAL.Component(ICAL.parse(text));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    start_zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    location: event.location,
    organizer: vevent.getFirstPropertyValue("organizer"),
    attendees: vevent.getAllProperties("attendee").map((p) => p.getFirstValue()),
    alarms: vevent.getAllSubcomponents("valarm").length,
    description: event.description,
    conferences: vevent.getAllProperties("conference").map((p) => ({
      uri: p.getFirstValue(),
      feature: p.getParameter("feature"),
      label: p.getParameter("label"),
    })),
  };
});
process.stdout.write(
  JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }) + "\n",
);
