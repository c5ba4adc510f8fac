"""Bookings: OPP sessions and LTSA desk appointments, their reminders and calendar files.

directory   the LTSA directory (content/ltsa) as rows, demo OPP sessions
opening     which days and desk slots are open (hours, closures, public holidays)
seats       taking and giving back seats: book, cancel, reschedule, waitlist
reads       what the booking flows read (sessions with seats, open days, my bookings)
resolve     carries out the flows' booking actions inside the message's transaction
reminders   the day-before and morning reminders, as scheduled jobs
ics         the calendar file of a booking and its signed link
staff       attendee lists, attendance, CSV, cancelling with waitlist promotion
"""
