"""The control panel: plain HTML pages under /manage/."""
