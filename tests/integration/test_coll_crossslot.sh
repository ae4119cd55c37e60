#!/usr/bin/env bash
# Multi-key list and sorted set commands with keys on two workers are
# refused with Redis Cluster's CROSSSLOT error until the cross-shard
# transactions land (issue #5 item 7), and run when a {hash tag} puts the
# keys on one worker; numkeys commands (LMPOP, ZUNIONSTORE...) are routed
# by the keys their count names, not by their other arguments. The oracle
# cannot check this part (stock redis-server is one shard), so the
# expected replies are Redis Cluster's. Keys: "foo" is slot 12182 and
# "bar" slot 5061, so with two workers they live on different ones.
IT_NAME=rwtcollx
source "$(dirname "$0")/lib.sh"
it_up --workers 2
cross="CROSSSLOT Keys in request don't hash to the same slot"
it_cli rpush foo a b >/dev/null
it_cli zadd '{foo}z' 1 a >/dev/null
it_eq "$(it_cli lmove foo bar left left)" "$cross" "LMOVE across workers"
it_eq "$(it_cli rpoplpush foo bar)" "$cross" "RPOPLPUSH across workers"
it_eq "$(it_cli lmpop 2 foo bar left)" "$cross" "LMPOP across workers"
it_eq "$(it_cli zunionstore foo 2 '{foo}z' bar)" "$cross" "ZUNIONSTORE across workers"
it_eq "$(it_cli zunion 2 '{foo}z' bar)" "$cross" "ZUNION across workers"
it_eq "$(it_cli zrangestore bar '{foo}z' 0 -1)" "$cross" "ZRANGESTORE across workers"
it_eq "$(it_cli llen foo)" "2" "refused commands changed nothing"
# one worker: the commands run
it_cli rpush '{t}foo' a b c >/dev/null
it_eq "$(it_cli lmove '{t}foo' '{t}bar' left right)" "a" "LMOVE within a hash tag"
it_eq "$(it_cli lmpop 2 '{t}none' '{t}foo' right count 2 | tr '\n' ' ')" "{t}foo c b " "LMPOP within a hash tag"
it_cli zadd '{t}z' 1 a 2 b >/dev/null
it_eq "$(it_cli zunionstore '{t}u' 2 '{t}z' '{t}z')" "2" "ZUNIONSTORE within a hash tag"
it_eq "$(it_cli zrange '{t}u' 0 -1 withscores | tr '\n' ' ')" "a 2 b 4 " "ZUNIONSTORE result"
# a numkeys command whose options look like keys of another worker
it_cli rpush '{foo}3' x >/dev/null
it_eq "$(it_cli lmpop 1 '{foo}3' left count 1 | tr '\n' ' ')" "{foo}3 x " "LMPOP routed by its keys only"
it_eq "$(it_cli zmpop 1 '{foo}z' min | tr '\n' ' ')" "{foo}z a 1 " "ZMPOP routed by its keys only"
it_log "PASS collections across workers"
