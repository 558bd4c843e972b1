"""ClearDesk performance suite: each case times our code and a bare-library baseline doing the
same work in the same run, and reports the ratio against a target."""
