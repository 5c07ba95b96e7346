#!/usr/bin/env python3
"""Heap and RSS per forwarded connection: bench/conn_memory.py JAR CONNECTIONS [BYTES_OFFERED].

Starts `java -jar JAR` (the java of the Temurin 25 JDK below, or $JAVA_BIN/java) in front of an
upstream on loopback that offers each connection BYTES_OFFERED bytes (0 by default) and holds it;
opens CONNECTIONS clients that never read; prints the live heap (after a full GC, `jcmd GC.heap_info`)
and RSS per connection; stops the forwarder by its PID.
"""
import os
import socket, threading, subprocess, time, re, sys, os
J=os.environ.get('JAVA_BIN','/usr/lib/jvm/temurin-25-jdk-amd64/bin')+'/'
JAR=sys.argv[1]; N=int(sys.argv[2]); SIZE=int(sys.argv[3]) if len(sys.argv)>3 else 0
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(4096); up=s.getsockname()[1]
held=[]
def serve():
    while True:
        c,_=s.accept(); held.append(c)
        if SIZE:
            c.setblocking(False)
            try: c.send(b'x'*SIZE)
            except BlockingIOError: pass
threading.Thread(target=serve,daemon=True).start()
p=subprocess.Popen([J+'java','-jar',JAR,'--listen','127.0.0.1:0','--connect','127.0.0.1:%d'%up],stdout=subprocess.PIPE,stderr=subprocess.PIPE,text=True)
line=p.stdout.readline(); port=int(re.search(r'127\.0\.0\.1:(\d+) ->',line).group(1))
def used():
    subprocess.run([J+'jcmd',str(p.pid),'GC.run'],capture_output=True)
    out=subprocess.run([J+'jcmd',str(p.pid),'GC.heap_info'],capture_output=True,text=True).stdout
    m=re.search(r'used (\d+)K',out); 
    rss=int(re.search(r'VmRSS:\s+(\d+)',open('/proc/%d/status'%p.pid).read()).group(1))
    return int(m.group(1)), rss
# warm
for i in range(50):
    c=socket.create_connection(('127.0.0.1',port)); c.close()
time.sleep(1)
h0,r0=used()
cl=[]
for i in range(N):
    c=socket.create_connection(('127.0.0.1',port)); cl.append(c)
time.sleep(3)
h1,r1=used()
print('N=%d heap used %dK -> %dK: %.2f KiB/conn; RSS %dK -> %dK: %.2f KiB/conn' % (N,h0,h1,(h1-h0)/N,r0,r1,(r1-r0)/N))
for c in cl: c.close()
p.send_signal(15); p.communicate(timeout=60)
