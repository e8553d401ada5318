"""Store data and its rules, shared by the API, the control panel and the control endpoint."""
