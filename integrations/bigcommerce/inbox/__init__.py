"""The webhook inbox: receive a verified delivery once, dispatch it by scope to its handler."""
