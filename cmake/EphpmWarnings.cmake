# ephpm_set_warnings(<target>): the project's warning flags, the same for
# every target. The C bridge adds -Wclobbered because it uses setjmp through
# zend_try: a local changed between setjmp and longjmp must be volatile.
function(ephpm_set_warnings target)
    set(common -Wall -Wextra -Wpedantic -Wshadow -Wcast-qual -Wformat=2 -Wundef)
    set(cxx_only -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
    target_compile_options(
        ${target} PRIVATE ${common} $<$<COMPILE_LANGUAGE:CXX>:${cxx_only}>
                          $<$<COMPILE_LANGUAGE:C>:-Wclobbered -Wstrict-prototypes>)
    if(EPHPM_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

# ephpm_static_runtime(<target>): executables carry libstdc++ and libgcc
# inside, so the binary does not depend on the host's C++ runtime.
function(ephpm_static_runtime target)
    if(EPHPM_FULLY_STATIC)
        # Position independent and static: the kernel still randomises where
        # the binary is loaded.
        target_link_options(${target} PRIVATE -static-pie)
    elseif(EPHPM_STATIC_RUNTIME)
        target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
    endif()
endfunction()
