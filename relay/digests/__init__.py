"""Who gets which alert, when: digest periods, planning (exactly once), rendering into the outbox."""
