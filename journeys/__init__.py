"""Dunning journeys: which customer is reminded on the next day, how, when and with what —
journeys, policy and experiments as configuration (config/), the day's plan under the policy
rules (contact_list.py, policy.py, schedule.py), personalised messages (render.py, templates/),
exactly-once delivery through SendGrid or a dry-run outbox (delivery.py, store.py), and the
SendGrid events coming back (webhook.py, events.py)."""
