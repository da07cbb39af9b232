# pleat_embed_text(<out.h> <symbol> <file>): turns a kernel text file into a C
# string constant at build time, so the library carries its kernel preludes
# without reading files at run time.
function(pleat_embed_text out symbol file)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DSYM=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedTextRun.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/EmbedTextRun.cmake
    VERBATIM)
endfunction()
