# Wherever Django prints a date and time without a format of its own (the
# admin's lists, change forms and history pages), it says which time zone
# it is in: "25 Oct 2006, 14:30 UTC". Every other format is Django's en_GB.
DATETIME_FORMAT = "j M Y, H:i T"
