"""Keeping in touch: check-ins for 18-20s, the conversation about PA support to 25, and the
messages around birthdays, all derived from the young person's record."""
