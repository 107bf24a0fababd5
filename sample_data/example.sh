#!/bin/sh
# A tiny worked example: three synthetic cases recorded through the CLI, then the case list and one timeline.
# Usage: sh sample_data/example.sh DB_FILE
set -e
db=${1:-demo.db}
st() { sendtrack --db "$db" "$@"; }
st init
st add-request --ref EX-1 --name "Test Child One" --dob 2016-05-04 --received 2025-01-06 --coordinator "Sam Patel" >/dev/null
st record decision EX-1 --date 2025-02-10 --outcome assess >/dev/null
st record draft EX-1 --date 2025-04-14 >/dev/null
st record final EX-1 --date 2025-05-20 >/dev/null
st add-request --ref EX-2 --name "Test Child Two" --dob 2017-07-30 --received 2025-03-03 --coordinator "Sam Patel" >/dev/null
st record decision EX-2 --date 2025-04-07 --outcome assess >/dev/null
st add-request --ref EX-3 --name "Test Child Three" --dob 2014-10-10 --received 2023-01-09 >/dev/null
st record decision EX-3 --date 2023-02-13 --outcome assess >/dev/null
st record draft EX-3 --date 2023-04-24 >/dev/null
st record final EX-3 --date 2023-05-22 >/dev/null
st record review-meeting EX-3 --date 2024-05-13 >/dev/null
st cases --format table
st timeline EX-2 --format table
