# bench/run's plot: connection-per-message acks/s against the number of
# concurrent clients, one line per server. Usage:
#   gnuplot -e "data='conn.tsv'; out='conn.png'" bench/plot.gnuplot
set terminal pngcairo size 900,560 noenhanced font ",11"
set output out
set datafile separator "\t"
set datafile missing ""
set title "Connection per message on loopback (ackctl bench --mode conn)"
set logscale x 2
set xlabel "concurrent clients"
set ylabel "acks/s"
set yrange [0:*]
set format y "%.0s%c"
set grid
set key top left autotitle columnhead
plot for [i=2:*] data using 1:i with linespoints linewidth 2 pointtype 7
