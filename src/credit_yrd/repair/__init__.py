"""Credit repair (信用修复) and objections (异议): applications, decisions and their effects,
objections and their outcomes, notices, deliveries to the provinces and the figures."""
