# Doxygen input filter for include/uvws.h (docs/Doxyfile.in runs it).
# The header is commented in plain C; Doxygen reads only /** comments.
# A comment that trails a declaration documents that member: /**<.
s|\([;,]\)\([ 	]*\)/\*\([^*]\)|\1\2/**<\3|
# A comment that opens a line documents what follows it: /**.
s|^\([ 	]*\)/\*\([^*]\)|\1/**\2|
