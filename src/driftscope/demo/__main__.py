import sys

from driftscope.demo.launch import main

sys.exit(main())
