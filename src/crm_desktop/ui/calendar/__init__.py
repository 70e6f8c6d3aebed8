"""The calendar tab (日程): day and week views, the appointment dialog and reminders."""
