"""Personal advisers: escalations, their routing and deadlines, notifications, link codes."""
