# Writes the chat's browser page as a C array, so that the server carries
# it inside the binary while the page stays a plain .html file here.
#
#   cmake -D IN=samples/chat/index.html -D OUT=page.c -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR len "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){12})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUT}"
  "/* Generated from index.html by embed.cmake: do not edit. */\n"
  "#include \"page.h\"\n\n"
  "const unsigned char chat_page[] = {\n  ${bytes}0x00\n};\n"
  "const size_t chat_page_len = ${len};\n")
