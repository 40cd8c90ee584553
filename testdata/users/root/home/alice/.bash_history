#1700000000
ls -la
#1700000100
#1700000200
echo hi
plain command

#notanumber
