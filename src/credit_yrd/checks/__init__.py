"""The embedded check (嵌入式核查): the measures that apply to subjects in a business scenario
(:mod:`.engine`), and the log of every check, the evidence that the measures were considered
(:mod:`.log`)."""
